"""What tests share across directories: servers (PostgreSQL, the Kafka-protocol broker),
journeys told through the application service or over HTTP, simulated histories, the
role-by-route table, browser helpers. Test modules import from here, never from each other
or from a conftest."""
