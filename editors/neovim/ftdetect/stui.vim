" Tonel sources (one class, extension or trait per file; package.st) and
" Smalltalk playgrounds / chunk files.
autocmd BufRead,BufNewFile *.class.st,*.extension.st,*.trait.st,package.st setlocal filetype=tonel
autocmd BufRead,BufNewFile *.st if &filetype !=# 'tonel' | setlocal filetype=smalltalk | endif
