"""Running slide code: namespace, capture, tracebacks, navigation, headless."""
