"""The product: settings, seed loading, CLI and scheduler."""
