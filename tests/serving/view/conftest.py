from tests.serving.publish.fixtures import cassandra_keyspace, redis_prefix
from tests.speed_layer.conftest import speed_topics

__all__ = ["cassandra_keyspace", "redis_prefix", "speed_topics"]
