"""The local stack: Kafka (KRaft), Cassandra and Redis on loopback, from real packages."""
