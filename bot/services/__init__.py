"""Channel-agnostic use cases: plugins, the CLI and the scheduler all call these."""
