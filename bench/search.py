#!/usr/bin/env python3
"""Search at scale (issue 23): 1,000,000 posts of ~300 characters, Korean and English mixed,
with a realistic dictionary (numbers, names, typos: hundreds of thousands of distinct chunks).

    python3 bench/search.py --binary target/release/board [--posts 1000000]

Posts go straight into MariaDB (not through the API, so not through the change log); then the
server starts on an empty index folder and builds it (the catch-up time is printed). Measured
with wrk at 16 connections, medians of the runs: plain list page 1; page 1 of a rare term, of a
term in a third of the posts, of two terms, of a 2-syllable Korean word — each with the query
cache (default) and without it (SEARCH_CACHE_MB=0) — beside one `LIKE '%term%'` count on the
same database. Prints index size on disk and the server's RSS. Asserts nothing about timings.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".ci"))
import run  # noqa: E402
from boardlib import http, mariadb  # noqa: E402

KOREAN = ("게시판 공지사항 안녕하세요 감사합니다 질문 답변 서울 부산 대구 인천 광주 대전 학교 회사 "
          "오늘 내일 어제 사람 시간 생각 문제 정보 사진 영화 음악 노래 여행 음식 커피 날씨 주말 "
          "가격 판매 구매 중고 추천 후기 리뷰 모임 운동 축구 야구 농구 게임 컴퓨터 프로그램 개발 "
          "자바 파이썬 러스트 데이터 서버 클라이언트 네트워크 보안 업데이트 버그 수정 배포 테스트").split()
ENGLISH = ("the of and to in is you that it he was for on are as with his they at be this have "
           "from or one had by word but not what all were we when your can said there use an each "
           "which she do how their if will up other about out many then them these so some her "
           "would make like him into time has look two more write go see number no way could "
           "people my than first water been call who oil its now find long down day did get come "
           "made may part server client rust python java board search index query cache post").split()
SYLLABLES = list("가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후")
THIRD = "notice"          # in every third post
RARE = "zebrafish"        # in 1 post of 10,000
KOREAN_2 = "검색"          # inside longer words ("검색어", "검색엔진"...) in 1 post of 20
PAIR = (THIRD, "서울")     # two terms


def name(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def typo(rng, word):
    if len(word) < 3:
        return word
    i = rng.randrange(len(word))
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1:]


def post_text(rng, n):
    words = []
    while sum(len(w) + 1 for w in words) < 300:
        roll = rng.random()
        if roll < 0.35:
            words.append(rng.choice(KOREAN))
        elif roll < 0.65:
            words.append(rng.choice(ENGLISH))
        elif roll < 0.75:
            words.append(str(rng.randrange(10_000_000)))
        elif roll < 0.85:
            words.append(name(rng) + rng.choice(["님", "씨", "", "은", "는", "이", "가"]))
        elif roll < 0.93:
            words.append(typo(rng, rng.choice(ENGLISH)))
        else:
            words.append(rng.choice(KOREAN) + rng.choice(["에서", "으로", "에게", "까지", "부터"]))
    if n % 3 == 0:
        words.insert(rng.randrange(len(words)), THIRD)
    if n % 10_000 == 1234:
        words.insert(rng.randrange(len(words)), RARE)
    if n % 20 == 7:
        words.insert(rng.randrange(len(words)), KOREAN_2 + rng.choice(["어", "엔진", "창", "결과", ""]))
    title = " ".join(rng.choice(KOREAN + ENGLISH) for _ in range(rng.randint(2, 6)))
    return title, " ".join(words)


def sql_text(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def load_posts(database, user_id, count):
    rng = random.Random(23)
    started = time.monotonic()
    feed = subprocess.Popen(["mariadb", "-uroot", "--default-character-set=utf8mb4", database],
                            stdin=subprocess.PIPE, text=True)
    batch = []
    for n in range(count):
        title, content = post_text(rng, n)
        seconds = n
        batch.append(f"(uuid(), '{user_id}', {sql_text(title)}, {sql_text(content)}, "
                     f"timestamp('2024-01-01') + interval {seconds} second)")
        if len(batch) == 2000 or n == count - 1:
            feed.stdin.write("insert into board (id, user_id, title, content, created_at) values "
                             + ",".join(batch) + ";\n")
            batch = []
    feed.stdin.close()
    assert feed.wait() == 0
    print(f"  loaded {count:,} posts in {time.monotonic() - started:.0f} s", flush=True)


def like_count(database, terms):
    where = " and ".join(f"(lower(title) like '%{t}%' or lower(content) like '%{t}%')" for t in terms)
    started = time.monotonic()
    count = int(mariadb(f"select count(*) from board where deleted_at is null and {where}", database))
    return count, (time.monotonic() - started) * 1000


def du_mib(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total / 1024 / 1024


def search_server(binary, index_dir, cache_mb):
    return run.RustServer(binary, {"SEARCH_INDEX_DIR": index_dir, "SEARCH_CACHE_MB": str(cache_mb)})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--posts", type=int, default=1_000_000)
    args = parser.parse_args()
    run.RUNS, run.DURATION = 3, 5
    index_dir = tempfile.mkdtemp(prefix="board-bench-search-")
    database = run.RustServer.database
    run.fresh_database(database)
    server = search_server(args.binary, os.path.join(index_dir, "index"), 64)
    server.start()
    try:
        seeded = run.seed_user_only(server)
    finally:
        server.stop()
    load_posts(database, seeded["user_id"], args.posts)
    server.after_bulk_insert()
    shutil.rmtree(os.path.join(index_dir, "index"), ignore_errors=True)

    queries = [("rare term", [RARE]), ("a third of the posts", [THIRD]), ("two terms", list(PAIR)),
               ("2-syllable Korean", [KOREAN_2])]
    results = {}
    for cache_mb in (64, 0):
        server = search_server(args.binary, os.path.join(index_dir, "index"), cache_mb)
        started = time.monotonic()
        server.start()  # ready = caught up
        caught_up = time.monotonic() - started
        try:
            if cache_mb:
                on_disk = du_mib(os.path.join(index_dir, "index"))
                print(f"  empty index caught up with {args.posts:,} posts in {caught_up:.1f} s "
                      f"(start to ready); index on disk {on_disk:.0f} MiB; "
                      f"RSS {run.rss_kib(server.pids()) / 1024:.0f} MiB", flush=True)
                plain = run.measure(server, "/api/board/boards?page=1&per_page=20", None, seeded, 16)
                results["list"] = plain
                print(f"  plain list page 1: p50 {plain['p50']:.2f} ms, {plain['rps']:.0f} req/s", flush=True)
            for label, terms in queries:
                path = "/api/board/boards?per_page=20&q=" + urllib.parse.quote(" ".join(terms))
                status, body = http("GET", server.base + path)
                assert status == 200, (status, body)
                result = run.measure(server, path, None, seeded, 16)
                results[(label, cache_mb)] = (result, body["totalBoard"])
            peak = run.rss_kib(server.pids()) / 1024
            print(f"  RSS after the searches (cache {cache_mb} MiB): {peak:.0f} MiB", flush=True)
        finally:
            server.stop()
    plain_p50 = results["list"]["p50"]
    print(f"\n  {'query':<22} {'matches':>9}  {'p50 cached':>10}  {'p50 uncached':>12}  "
          f"{'÷ list p50':>10}  {'LIKE scan':>10}  {'LIKE ÷ p50':>10}")
    for label, terms in queries:
        (cached, total), (uncached, _) = results[(label, 64)], results[(label, 0)]
        count, like_ms = like_count(database, terms)
        assert count == total, (label, count, total)
        print(f"  {label:<22} {total:>9,}  {cached['p50']:>8.2f} ms  {uncached['p50']:>10.2f} ms  "
              f"{cached['p50'] / plain_p50:>9.2f}×  {like_ms:>7.0f} ms  {like_ms / cached['p50']:>9.0f}×",
              flush=True)
    mariadb(f"drop database if exists `{database}`")
    shutil.rmtree(index_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
