"""samhand bench: the whole exchange measured against the cost of its unavoidable work."""
