" Smalltalk comments are "...": there is no line comment.
setlocal commentstring=\"%s\"
setlocal comments=s:\",e:\"
