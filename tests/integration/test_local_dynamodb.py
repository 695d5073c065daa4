"""The emulated DynamoDB behaves like AWS under concurrency: a cancelled transaction undoes nothing it did not write."""

import threading

import boto3

from local.stack import REGION


def _put(table: str, pk: str) -> dict:
    return {
        "Put": {
            "TableName": table,
            "Item": {"pk": {"S": pk}, "sk": {"S": "#"}, "kind": {"S": "probe"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def test_a_cancelled_transaction_loses_no_write_acknowledged_to_another_thread(stack):
    # Given a table with some items, four threads writing new items and one thread whose transactions always fail
    table = stack.env["ENTITIES_TABLE"]
    client = boto3.client("dynamodb", region_name=REGION)
    for n in range(200):
        client.transact_write_items(TransactItems=[_put(table, f"probe#seed-{n}")])
    acknowledged, done = [], threading.Event()

    def write(worker: int) -> None:
        for n in range(40):
            client.transact_write_items(TransactItems=[_put(table, f"probe#{worker}-{n}")])
            acknowledged.append(f"probe#{worker}-{n}")

    def fail_forever() -> None:
        while not done.is_set():
            try:
                client.transact_write_items(TransactItems=[_put(table, "probe#seed-0")])
            except client.exceptions.TransactionCanceledException:
                pass

    # When they run at the same time
    failing = threading.Thread(target=fail_forever)
    failing.start()
    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    failing.join()

    # Then every acknowledged write is still there
    missing = [
        pk for pk in acknowledged if "Item" not in client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "#"}})
    ]
    assert len(acknowledged) == 160 and missing == []


def test_a_cancelled_transaction_writes_none_of_its_items(stack):
    # Given an existing item
    table = stack.env["ENTITIES_TABLE"]
    client = boto3.client("dynamodb", region_name=REGION)
    client.transact_write_items(TransactItems=[_put(table, "probe#taken")])

    # When a transaction writes a new item and, conditionally, the existing one
    try:
        client.transact_write_items(TransactItems=[_put(table, "probe#new"), _put(table, "probe#taken")])
    except client.exceptions.TransactionCanceledException as exc:
        reasons = [r["Code"] for r in exc.response["CancellationReasons"]]

    # Then it is cancelled with one reason per item, and the new item was not written
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "probe#new"}, "sk": {"S": "#"}})
