"""The checked model of a scheme: units, declarations and the checker."""
