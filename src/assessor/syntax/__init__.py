"""Scheme text to syntax tree."""
