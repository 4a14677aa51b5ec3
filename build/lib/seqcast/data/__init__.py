"""Loading price files: read the bytes, recognise the layout, parse, validate, repair."""
