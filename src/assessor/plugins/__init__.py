"""The extension contract and how plugins are found."""
