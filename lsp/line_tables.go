package lsp

import (
	"context"
	"sync"

	"github.com/stui-lsp/stui-lsp/smalltalk/index"
)

// maxLineTables bounds lineTableCache: enough for a workspace the size of
// Pharo's (9,375 files, about 7 MB of line offsets for all of them), so
// that searches over it do not make tables again each time the cache
// fills and starts over.
const maxLineTables = 16384

// lineTableCache keeps the line tables of indexed files that are not open,
// so that a references answer over hundreds of files does not count their
// lines again each time. A table is reused only for the very source it was
// made from. Its zero value is ready.
type lineTableCache struct {
	mu     sync.Mutex
	tables map[string]*lineIndex
}

func (c *lineTableCache) get(key, src string) *lineIndex {
	c.mu.Lock()
	li, ok := c.tables[key]
	c.mu.Unlock()
	// Equal strings sharing their bytes compare without reading them.
	if ok && li.text == src {
		return li
	}
	li = newLineIndex(src)
	c.mu.Lock()
	if c.tables == nil || len(c.tables) >= maxLineTables {
		c.tables = map[string]*lineIndex{}
	}
	c.tables[key] = li
	c.mu.Unlock()
	return li
}

// warm makes the tables of the indexed files, up to maxLineTables, so
// that the first search answering from a file does not wait for its
// table.
func (c *lineTableCache) warm(ctx context.Context, ix *index.Index) {
	for i, key := range ix.URIsUnder("") {
		if i >= maxLineTables || ctx.Err() != nil {
			return
		}
		if src, ok := ix.Source(key); ok {
			c.get(key, src)
		}
	}
}
