" Smalltalk and Tonel use the Smalltalk syntax that ships with Vim and Neovim.
if exists('b:current_syntax')
  finish
endif
runtime! syntax/st.vim
let b:current_syntax = 'smalltalk'
