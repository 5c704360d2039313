"""The window, its menus and settings, and the program's entry point."""
