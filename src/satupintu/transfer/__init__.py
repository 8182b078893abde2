"""Region-to-region transfer: study visits, MoUs, the innovation registry and replication."""
