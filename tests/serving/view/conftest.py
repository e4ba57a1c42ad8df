from tests.serving.publish.fixtures import cassandra_keyspace, redis_prefix

__all__ = ["cassandra_keyspace", "redis_prefix"]
