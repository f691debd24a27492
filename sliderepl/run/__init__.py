"""Running slide code: namespace, capture, tracebacks, events, navigation and the headless run loop."""
