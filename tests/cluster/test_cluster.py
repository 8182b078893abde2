"""What a deployment with several pods must guarantee, shown with real processes (see conftest).

All tests share one cluster and run on one test worker (xdist group), in this order: the ones
that stop services come last.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from queue import Queue

import dramatiq
import httpx
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from tests.cluster.conftest import ADMIN, OPERATOR
from tests.cluster.machine import PASSWORD, Cluster, wait_for
from tests.queue.conftest import listen_to_board

pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]


def _client(cluster: Cluster, web: int, cookies: httpx.Cookies | None = None) -> httpx.Client:
    return httpx.Client(base_url=cluster.webs[web], cookies=cookies, timeout=15, follow_redirects=False)


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def _sign_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    token = _csrf(client, "/banyuwangi/masuk")
    return client.post("/banyuwangi/masuk", data={"email": ADMIN, "password": password, "_csrf_token": token})


def _job_events(cluster: Cluster, *names: str) -> list[dict]:
    return [event | {"process": name} for name in names for event in cluster.processes[name].events()
            if str(event.get("event", "")).startswith("job ")]


def test_a_session_made_on_one_web_process_is_valid_on_the_other(cluster: Cluster) -> None:
    with _client(cluster, 0) as first:
        assert _sign_in(first).status_code in (302, 303)
        with _client(cluster, 1, first.cookies) as second:
            page = second.get("/banyuwangi/admin/")
    assert page.status_code == 200
    assert "Admin Banyuwangi" in page.text


def test_public_pages_under_concurrent_load_through_the_pooler(cluster: Cluster) -> None:
    """Many citizens at once on both web processes: every public page (its regency read outside a
    transaction, through PgBouncer in transaction mode) answers 200, never a 500 from a prepared
    statement that PgBouncer sent to another server connection."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/banyuwangi/", "/bangkalan/", "/banyuwangi/layanan", "/bangkalan/antrian", "/banyuwangi/layar/mpp"]

    def browse(number: int) -> list[int]:
        with _client(cluster, number % 2) as client:
            return [client.get(paths[(number + n) % len(paths)]).status_code for n in range(12)]

    with ThreadPoolExecutor(24) as pool:
        answers = [status for statuses in pool.map(browse, range(48)) for status in statuses]
    assert answers.count(200) == len(answers), {status: answers.count(status) for status in set(answers)}


def test_a_call_made_on_one_web_process_reaches_a_board_on_the_other(cluster: Cluster) -> None:
    """A display board listens on web 2 (server-sent events); an operator calls the next ticket at
    /banyuwangi/loket on web 1. The call travels through Redis and the board hears it."""
    line = cluster.fetch(
        "SELECT s.code AS service, c.code AS counter, l.code AS location FROM tenant_services s"
        " JOIN tenants t ON t.id = s.tenant_id"
        " JOIN counters c ON c.tenant_id = s.tenant_id AND c.agency_id = s.agency_id"
        " JOIN locations l ON l.tenant_id = c.tenant_id AND l.id = c.location_id"
        " WHERE t.slug = 'banyuwangi' AND s.enabled ORDER BY c.code, s.code LIMIT 1")[0]
    taken = httpx.post(f"{cluster.webs[0]}/api/v1/tenants/banyuwangi/queue/tickets",
                       json={"service": line["service"], "location": line["location"]}, timeout=15)
    assert taken.status_code == 201, taken.text
    board = f"{cluster.webs[1]}/banyuwangi/layar/{line['location']}/events"
    heard: Queue = Queue()
    listener = threading.Thread(target=listen_to_board, args=(board, heard), daemon=True)
    listener.start()
    assert heard.get(timeout=30)[1] == "ready"
    with _client(cluster, 0) as operator:
        assert _sign_in(operator).status_code in (302, 303)
        token = _csrf(operator, "/banyuwangi/loket")
        for step, data in (("buka", {"counter": line["counter"]}), ("panggil", {})):
            answer = operator.post(f"/banyuwangi/loket/{step}", data={"_csrf_token": token, **data})
            assert answer.status_code == 303, answer.text[:500]
    url, event, data = heard.get(timeout=30)
    call = json.loads(data)
    assert (url, event) == (board, "call")
    assert (call["number"], call["counter"]) == (taken.json()["number"], line["counter"])
    listener.join(timeout=10)
    assert not listener.is_alive()


def test_a_job_queued_by_one_web_process_runs_exactly_once(cluster: Cluster) -> None:
    """A change in the console queues the regency's rollup refresh after the commit; of the two
    workers, exactly one runs each queued message, exactly once."""
    with _client(cluster, 0) as web:
        assert _sign_in(web).status_code in (302, 303)
        token = _csrf(web, "/banyuwangi/admin/lokasi")
        saved = web.post("/banyuwangi/admin/libur", data={"holiday_day": "2026-12-25", "holiday_name": "Hari Natal",
                                                           "_csrf_token": token})
        assert saved.status_code == 303, saved.text[:500]
    queued = {e["message_id"] for e in _job_events(cluster, "web1") if e["event"] == "job queued"}
    assert queued, "the change queued no job"

    def all_done() -> bool:
        done = {e["message_id"] for e in _job_events(cluster, "worker1", "worker2") if e["event"] == "job done"}
        return queued <= done

    wait_for("the queued jobs to be done", all_done)
    runs = [e for e in _job_events(cluster, "worker1", "worker2")
            if e["event"] == "job started" and e["message_id"] in queued]
    assert sorted(e["message_id"] for e in runs) == sorted(queued), "each queued job ran exactly once"


def test_killing_a_worker_mid_job_loses_nothing(cluster: Cluster) -> None:
    """Forty rollup jobs for the two regencies; one worker is killed (SIGKILL, no goodbye) while it
    runs them. RabbitMQ hands its unacknowledged messages to the other worker: every job is done."""
    broker = RabbitmqBroker(url=cluster.env["SATUPINTU_BROKER_URL"])
    try:
        ids = set()
        for number in range(40):
            message = dramatiq.Message(queue_name="rollups", actor_name="refresh_tenant_rollup",
                                       args=(1 + number % 2,), kwargs={}, options={})
            ids.add(broker.enqueue(message).message_id)
    finally:
        broker.close()

    def started_on_first() -> set[str]:
        return {e["message_id"] for e in _job_events(cluster, "worker1") if e["event"] == "job started"} & ids

    wait_for("worker1 to start one of the jobs", lambda: bool(started_on_first()))
    cluster.processes["worker1"].stop(signal.SIGKILL)
    done_on_first = {e["message_id"] for e in _job_events(cluster, "worker1") if e["event"] == "job done"} & ids

    def everything_done() -> bool:
        done = {e["message_id"] for e in _job_events(cluster, "worker1", "worker2") if e["event"] == "job done"}
        return ids <= done

    wait_for("every job to be done after the kill", everything_done, seconds=120)
    interrupted = started_on_first() - done_on_first
    done_on_second = {e["message_id"] for e in _job_events(cluster, "worker2") if e["event"] == "job done"}
    assert interrupted <= done_on_second, "a job the killed worker had started was finished by the other"
    cluster.spawn("worker1", "worker", "--threads", "2")


def test_two_schedulers_queue_the_nightly_rollups_once(cluster: Cluster) -> None:
    first = cluster.spawn("scheduler1", "scheduler", "--now")
    second = cluster.spawn("scheduler2", "scheduler", "--now")

    def outcome(process) -> str | None:  # noqa: ANN001
        for event in process.events():
            if event.get("event") in ("nightly rollups queued",
                                      "scheduled job skipped: another scheduler has run this slot"):
                return event["event"]
        return None

    wait_for("both schedulers to decide", lambda: outcome(first) is not None and outcome(second) is not None)
    assert sorted([outcome(first), outcome(second)]) == [
        "nightly rollups queued", "scheduled job skipped: another scheduler has run this slot"]
    first.stop()
    second.stop()


def test_lockout_holds_across_web_processes(cluster: Cluster) -> None:
    """Five wrong passwords spread over both web processes lock the account on both."""
    for attempt in range(5):
        with _client(cluster, attempt % 2) as web:
            token = _csrf(web, "/banyuwangi/masuk")
            wrong = web.post("/banyuwangi/masuk", data={"email": OPERATOR, "password": "salah-salah-1",
                                                        "_csrf_token": token})
            assert wrong.status_code not in (302, 303)
    for web_number in (0, 1):
        with _client(cluster, web_number) as web:
            token = _csrf(web, "/banyuwangi/masuk")
            right = web.post("/banyuwangi/masuk", data={"email": OPERATOR, "password": PASSWORD,
                                                        "_csrf_token": token})
            assert right.status_code not in (302, 303), "a locked account signed in on another web process"


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=15).status_code
    except httpx.HTTPError:
        return 0


def test_a_redis_restart_is_survived(cluster: Cluster) -> None:
    """While Redis is down, requests that need a session fail fast with 503; afterwards sign-in
    works again by itself (Redis kept no data, so the sessions were lost and people sign in again)."""
    cluster.processes["redis"].stop()
    with _client(cluster, 0) as web:
        web.cookies.set("satupintu_sesi", "x" * 43)
        started = time.monotonic()
        down = web.get("/banyuwangi/masuk")
        assert down.status_code == 503 and time.monotonic() - started < 10
        assert _status(f"{cluster.webs[1]}/banyuwangi/layanan") == 200, "citizen pages need no session"
    cluster.start_redis()
    with _client(cluster, 1) as web:
        wait_for("sign-in to work again", lambda: _sign_in(web).status_code in (302, 303), seconds=30)


def test_a_postgres_restart_is_survived(cluster: Cluster) -> None:
    """While PostgreSQL is down, pages that read it fail fast with 503 (PgBouncer gives up after
    5 s); once it is back, both web processes answer again without being restarted."""
    clients = [_client(cluster, 0), _client(cluster, 1)]
    try:
        for web in clients:
            wait_for("a sign-in", lambda web=web: _sign_in(web).status_code in (302, 303), seconds=30)
            assert web.get("/banyuwangi/admin/").status_code == 200
        cluster.processes["postgres"].stop(signal.SIGINT)  # fast shutdown: connections are cut
        started = time.monotonic()
        assert clients[0].get("/banyuwangi/admin/").status_code == 503
        assert time.monotonic() - started < 15
        cluster.start_postgres()
        for web in clients:
            wait_for("the console to answer again", lambda web=web: web.get("/banyuwangi/admin/").status_code == 200,
                     seconds=60)
    finally:
        for web in clients:
            web.close()


def test_sign_in_rate_limits_hold_across_web_processes(cluster: Cluster) -> None:
    """The limit (20 sign-in attempts a minute per client) is counted in Redis, shared by both web
    processes: 21 attempts alternating between them meet a 429, which per-process counting (at most
    11 each) never would."""
    statuses = []
    for attempt in range(21):
        with _client(cluster, attempt % 2) as web:
            token = _csrf(web, "/banyuwangi/masuk")
            statuses.append(web.post("/banyuwangi/masuk", data={"email": "tidak-ada@banyuwangi.test",
                                                               "password": "salah-salah-1", "_csrf_token": token}
                                     ).status_code)
    assert 429 in statuses, statuses
