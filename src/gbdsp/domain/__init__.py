"""Pure rules of the Data Service: values in, decisions out, no I/O."""
