"""From a checked scheme to results: the relational plan and its execution."""
