"""Reference, demo and TSQP-scale data, loaded from ``seeds/`` (``flask seed ...``)."""
