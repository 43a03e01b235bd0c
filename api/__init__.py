"""mlkg's interfaces: the command line now, the HTTP service next."""
