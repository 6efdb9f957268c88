if exists('b:current_syntax')
  finish
endif
runtime! syntax/st.vim
let b:current_syntax = 'tonel'
