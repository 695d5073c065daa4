"""The bench's DynamoDB request-unit arithmetic (bench/units.py) at the 1 KB and 4 KB boundaries."""

import pytest

from bench.units import attribute_size, item_size, read_units, write_units


def item_of(total: int) -> dict:
    """An item of exactly `total` bytes: the one-letter name "a" and a string of total - 1 characters."""
    return {"a": {"S": "x" * (total - 1)}}


def test_an_item_size_counts_attribute_names_and_values_in_utf8_bytes():
    # Given a name of 4 bytes and a value of 2 characters taking 2 and 3 bytes; When sized; Then 4 + 5
    assert item_size({"name": {"S": "é€"}}) == 4 + 2 + 3


def test_a_number_counts_one_byte_per_two_significant_digits_plus_one():
    # Given 12345 (5 significant digits) and 0.0100 (1 after trimming zeros); Then 3 + 1 and 1 + 1
    assert attribute_size({"N": "12345"}) == 4
    assert attribute_size({"N": "0.0100"}) == 2


def test_a_map_counts_its_overhead_each_element_and_its_names():
    # Given {"k": "v"}: 3 bytes of overhead, 1 per element, the name k and the value v
    assert attribute_size({"M": {"k": {"S": "v"}}}) == 3 + 1 + 1 + 1


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (2048, 2), (2049, 3)])
def test_a_write_costs_one_unit_per_kilobyte_or_part_of_one(size, units):
    # Given an item of `size` bytes; When written; Then 1 WRU per KB, rounded up, at least 1
    assert write_units(item_size(item_of(size)) if size else 0) == units


@pytest.mark.parametrize(("size", "units"), [(1024, 2), (1025, 4)])
def test_a_transactional_write_costs_twice_a_standard_one(size, units):
    assert write_units(item_size(item_of(size)), transactional=True) == units


@pytest.mark.parametrize(
    ("size", "consistent", "units"),
    [(4096, True, 1.0), (4097, True, 2.0), (4096, False, 0.5), (4097, False, 1.0), (1, False, 0.5), (8193, True, 3.0)],
)
def test_a_read_costs_one_unit_per_4_kilobytes_strongly_consistent_and_half_eventually(size, consistent, units):
    # Given an item of `size` bytes; When read; Then 1 RRU per 4 KB or part, half of it eventually consistent
    assert read_units(item_size(item_of(size)), consistent=consistent) == units


@pytest.mark.parametrize(("size", "units"), [(4096, 2.0), (4097, 4.0)])
def test_a_transactional_read_costs_twice_a_strongly_consistent_one(size, units):
    assert read_units(item_size(item_of(size)), consistent=True, transactional=True) == units


@pytest.fixture
def table():
    """A table of moto in this process, keyed by pk, without indexes."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="bench-units",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_a_transactional_put_just_over_1_kb_and_its_eventual_read_are_counted_at_botocore(table):
    from bench.units import request_units

    # Given an item of 1,025 bytes (pk + "p1" = 4 bytes, a + 1,020 characters = 1,021)
    item = {"pk": {"S": "p1"}, "a": {"S": "x" * 1020}}
    assert item_size(item) == 1025
    with request_units() as units:
        # When it is put in a transaction, then read back eventually consistent
        table.transact_write_items(TransactItems=[{"Put": {"TableName": "bench-units", "Item": item}}])
        table.get_item(TableName="bench-units", Key={"pk": {"S": "p1"}})
    # Then 2 KB rounded up, doubled: 4 WRU; and half of one 4 KB unit: 0.5 RRU
    assert (units.wru, units.rru) == (4, 0.5)


def test_a_put_that_replaces_a_larger_item_costs_the_larger_item(table):
    from bench.units import request_units

    # Given a stored item of 3 KB (pk + "p1" = 4 bytes, a + 3,067 characters = 3,068: 3,072 bytes)
    table.put_item(TableName="bench-units", Item={"pk": {"S": "p1"}, "a": {"S": "x" * 3067}})
    with request_units() as units:
        # When a 1 KB item replaces it
        table.put_item(TableName="bench-units", Item={"pk": {"S": "p1"}, "a": {"S": "x" * 1019}})
    # Then the write is billed at the larger of the two: 3 WRU
    assert units.wru == 3
