"""The DUIS gateway: the pipeline every request goes through, and what each SRV does."""
