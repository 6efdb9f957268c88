package index

import (
	"sync"

	"github.com/stui-lsp/stui-lsp/smalltalk"
)

// parseCacheSize is how many parse trees Index.File keeps: enough for the
// files a request and the next few look at, a few megabytes at most.
const parseCacheSize = 32

// parseCache keeps the most recently used parse trees.
type parseCache struct {
	mu    sync.Mutex
	max   int
	clock uint64
	files map[string]cachedParse
}

type cachedParse struct {
	file *smalltalk.File
	used uint64
}

func (c *parseCache) get(uri string) *smalltalk.File {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.files[uri]
	if !ok {
		return nil
	}
	c.clock++
	p.used = c.clock
	c.files[uri] = p
	return p.file
}

func (c *parseCache) put(uri string, f *smalltalk.File) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[string]cachedParse{}
	}
	c.clock++
	c.files[uri] = cachedParse{f, c.clock}
	if len(c.files) <= c.max {
		return
	}
	oldest, when := "", c.clock
	for u, p := range c.files {
		if p.used < when {
			oldest, when = u, p.used
		}
	}
	delete(c.files, oldest)
}

func (c *parseCache) drop(uri string) {
	c.mu.Lock()
	delete(c.files, uri)
	c.mu.Unlock()
}
