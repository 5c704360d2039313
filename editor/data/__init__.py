"""Data sets in the editor: import, bind, look at them."""
