"""The test servers really work: a fresh PostgreSQL database, and a Kafka consumer group
that reads one family's records in the order they were produced."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import TopicPartition

from tests.support.kafka import TEST_CONSUMER, TEST_PRODUCER, true_end_offsets


@pytest.mark.postgres
def test_fresh_database_is_empty_and_keeps_what_is_written(
    postgres_url: str, postgres_env: dict[str, str]
) -> None:
    family_id = uuid.uuid4()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        conn.execute("CREATE TABLE family (family_id uuid PRIMARY KEY, area text NOT NULL)")
        conn.execute("INSERT INTO family VALUES (%s, %s)", (family_id, "E09000001"))

    # Read back through the eventsourcing settings: both fixtures name the same database.
    with psycopg.connect(
        host=postgres_env["POSTGRES_HOST"],
        port=postgres_env["POSTGRES_PORT"],
        user=postgres_env["POSTGRES_USER"],
        password=postgres_env["POSTGRES_PASSWORD"],
        dbname=postgres_env["POSTGRES_DBNAME"],
    ) as conn:
        rows = conn.execute("SELECT family_id, area FROM family").fetchall()

    assert tables == (0,)
    assert rows == [(family_id, "E09000001")]


def test_consumer_group_reads_one_familys_records_in_order(
    kafka_bootstrap: str, topic: str
) -> None:
    family = uuid.uuid4().bytes
    sent = [b"ContactRecorded", b"AssessmentStarted", b"PlanAgreed"]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, **TEST_PRODUCER)
    try:
        for value in sent:
            producer.send(topic, key=family, value=value)
        producer.flush(timeout=10)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:10]}",
        enable_auto_commit=False,
        **TEST_CONSUMER,
    )
    try:
        received: list[ConsumerRecord] = []
        deadline = time.monotonic() + 15  # a group join takes about 1.1 s on tansu
        while len(received) < len(sent) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                received.extend(records)
        assert [(r.key, r.value) for r in received] == [(family, v) for v in sent]
        (partition,) = {r.partition for r in received}  # one key, one partition
        tp = TopicPartition(topic, partition)
        consumer.commit()
        assert consumer.committed(tp) == len(sent)
    finally:
        consumer.close()

    assert true_end_offsets(kafka_bootstrap, [tp]) == {tp: len(sent)}
