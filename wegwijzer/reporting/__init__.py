"""What the province learns: the anonymous records the conversation writes, and the report made from them."""
