"""assessor: a rules engine for performance-assessment schemes (考核方案)."""

__version__ = "0.1.0"
