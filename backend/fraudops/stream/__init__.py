"""Live traffic: the stream producer and the Redis-stream workers."""
