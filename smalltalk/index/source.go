package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxSourceSize is the largest source file read from disk: Pharo's own
// largest Tonel files are well under a megabyte, and a file read whole
// costs its size several times over once parsed.
const MaxSourceSize = 8 << 20

// Why a file is not read.
var (
	ErrNotRegular  = errors.New("not a regular file")
	ErrTooLarge    = fmt.Errorf("larger than %d MiB", MaxSourceSize>>20)
	ErrOutsideTree = errors.New("a symbolic link to a file outside the directory")
)

// ReadSource reads a source file that must be a regular file of at most
// MaxSourceSize bytes. It does not follow a symbolic link in the last
// component of path, never blocks on a FIFO or a device, and reads no
// more than the limit whatever the file claims its size is.
//
// It makes the system calls itself: an os.File opened non-blocking is
// offered to the poller first, and io.ReadAll reads a file of a few KB in
// five calls; here it is open, fstat, one read of the size fstat gave (and
// one byte more, to see the end) and close: over Pharo's tree, 9,417 reads
// instead of 46,235 and no epoll_ctl (docs/performance.md).
func ReadSource(path string) ([]byte, error) { return ReadSourceInto(path, nil) }

// ReadSourceInto is ReadSource reading into buf's storage when it is large
// enough, for a caller that is done with the last file before it reads
// the next (stui-lsp check): no allocation, and no fresh memory to fault
// in, per file.
func ReadSourceInto(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		if err == syscall.ELOOP {
			return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	if st.Size > MaxSourceSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrTooLarge}
	}
	var src []byte
	if int64(cap(buf)) > st.Size {
		src = buf[:st.Size+1]
	} else {
		src = make([]byte, st.Size+1)
	}
	n := 0
	for {
		if n == len(src) {
			// The file grew since fstat: read on, up to one byte past the limit.
			if n > MaxSourceSize {
				return nil, &fs.PathError{Op: "read", Path: path, Err: ErrTooLarge}
			}
			src = append(src, make([]byte, min(n, MaxSourceSize+1-n))...)
		}
		m, err := syscall.Read(fd, src[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		n += m
		// A read that stops short at the size fstat gave is at the end.
		if m == 0 || n == int(st.Size) && n < len(src) {
			break
		}
	}
	if n > MaxSourceSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrTooLarge}
	}
	return src[:n], nil
}

// Source is a source file found below a directory.
type Source struct {
	// Path is where the file was found; it names the file to the user.
	Path string
	// Target is the file to read: Path itself, or the regular file a
	// symbolic link at Path points to.
	Target string
}

// FindSources returns the *.st files below root that may be read, in
// lexical order, skipping .git and node_modules directories: regular
// files, and symbolic links to regular files inside root (links are not
// followed into directories). Each entry it cannot read or will not read
// (a FIFO, a device, a link out of root) is passed to skip with the
// reason, and so is an unreadable directory. It stops early only when ctx
// is done.
func FindSources(ctx context.Context, root string, skip func(path string, err error)) ([]Source, error) {
	var out []Source
	err := WalkSources(ctx, root, skip, func(s Source) { out = append(out, s) })
	return out, err
}

// WalkSources calls found for each file FindSources returns, in the same
// order, as the walk finds it, so that a caller can read and parse files
// while the walk goes on.
func WalkSources(ctx context.Context, root string, skip func(path string, err error), found func(Source)) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			skip(path, err)
			if d != nil && d.IsDir() && path != root {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == ".git" || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".st") {
			return nil
		}
		switch t := d.Type(); {
		case t.IsRegular():
			found(Source{path, path})
		case t&fs.ModeSymlink != 0:
			target, err := sourceLinkTarget(realRoot, path)
			if err != nil {
				skip(path, err)
				return nil
			}
			found(Source{path, target})
		default:
			skip(path, ErrNotRegular)
		}
		return nil
	})
}

// sourceLinkTarget resolves the symbolic link at path, which must lead to
// a regular file inside realRoot (itself free of links).
func sourceLinkTarget(realRoot, path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(realRoot, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", ErrOutsideTree
	}
	fi, err := os.Lstat(target)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", ErrNotRegular
	}
	return target, nil
}

// ResolveNamedSource returns the file to read for a path the user named
// explicitly: a symbolic link is followed wherever it leads, since the
// user chose it, but it must lead to a regular file.
func ResolveNamedSource(path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Lstat(target)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	return target, nil
}

// ReadLinkedSource reads path as ReadSource does, except that a symbolic
// link there is followed when it leads to a regular file inside one of
// roots, as FindSources would have found it.
func ReadLinkedSource(path string, roots []string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return ReadSource(path)
	}
	for _, root := range roots {
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if target, err := sourceLinkTarget(realRoot, path); err == nil {
			return ReadSource(target)
		}
	}
	return nil, &fs.PathError{Op: "read", Path: path, Err: ErrOutsideTree}
}
