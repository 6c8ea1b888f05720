#!/usr/bin/env python3
"""e2e/store/test_cli.py: the `pixelgate consent` CLI against real stores.

Run from the repository root after `swift build`:
    python3 e2e/store/test_cli.py            # SQLite cases; PostgreSQL cases when run as root
PIXELGATE_BIN overrides the binary (default .build/debug/pixelgate). The PostgreSQL cases start
their own throw-away cluster with scripts/pg-test-cluster.sh on a private port and stop it; set
PIXELGATE_E2E_NO_PG=1 to skip them.
Checks exit codes and messages, import atomicity with line numbers, tamper detection (the trigger
dropped with Python's sqlite3), two concurrent importer processes on one PostgreSQL chain, and a
PostgreSQL cluster stopped mid-run (the CLI fails clearly, within the timeout + 1 s).
"""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("PIXELGATE_BIN", os.path.join(ROOT, ".build", "debug", "pixelgate"))
CLUSTER = os.path.join(ROOT, "scripts", "pg-test-cluster.sh")
HEADER = "address,purpose,action,at,source,evidence\n"


def run(*args, state=None, config=None, stdin=None):
    cmd = [BIN, "consent", *args]
    if state:
        cmd += ["--state-dir", state]
    if config:
        cmd += ["--config", config]
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class SQLiteCLI(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pixelgate-e2e-store-")
        self.state = os.path.join(self.dir, "state")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_grant_show_withdraw_history(self):
        rc, out, err = run("grant", "Jane.Doe@EXAMPLE.org", "open_measurement", "personalization",
                           "--source", "signup-form", "--evidence", '{"text":"Oui","form":"v3"}', state=self.state)
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.exists(os.path.join(self.state, "consent.sqlite")))
        rc, out, _ = run("show", "jane.doe@example.org", "--json", state=self.state)
        self.assertEqual(rc, 0)
        shown = json.loads(out)
        self.assertEqual(shown["granted"], ["open_measurement", "personalization"])
        self.assertTrue(shown["expressed"])
        rc, out, err = run("withdraw", "JANE.DOE@example.org", state=self.state)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("withdrew"), 5)
        rc, out, _ = run("show", "jane.doe@example.org", "--json", state=self.state)
        self.assertEqual(json.loads(out)["granted"], [])
        rc, out, _ = run("history", "jane.doe@example.org", "--json", state=self.state)
        events = json.loads(out)
        self.assertEqual([e["id"] for e in events], list(range(1, 8)))
        self.assertEqual(events[0]["source"], "signup-form")
        self.assertEqual(json.loads(events[0]["evidence"])["form"], "v3")
        self.assertEqual(events[2]["source"], "cli")
        self.assertIn("no evidence given", events[2]["evidence"])

    def test_refusals_store_nothing(self):
        cases = [
            (["grant", "a@example.org", "anonymous_statistics"], "exempt"),
            (["grant", "a@example.org", "open_measurement", "tracking"], "invalid purpose \"tracking\""),
            (["grant", "not-an-address", "open_measurement"], "invalid address"),
            (["grant", "a@example.org", "open_measurement", "--evidence", "{nope"], "must be JSON"),
            (["grant", "a@example.org", "open_measurement", "--evidence", json.dumps({"t": "x" * 20000})], "max_evidence_size"),
            (["grant", "x'); DROP TABLE consent_events;--@example.org", "open_measurement"], "invalid address"),
        ]
        for args, needle in cases:
            rc, out, err = run(*args, state=self.state)
            self.assertEqual(rc, 1, args)
            self.assertIn(needle, err, args)
            self.assertNotIn("Backtrace", err)
        rc, out, _ = run("verify", state=self.state)
        self.assertEqual((rc, out.strip()), (0, "ok: 0 events"))

    def test_import_is_all_or_nothing_and_names_the_line(self):
        path = os.path.join(self.dir, "in.csv")
        with open(path, "w") as f:
            f.write(HEADER)
            f.write('a@example.org,open_measurement,grant,2026-01-01T10:00:00Z,crm,"{""t"":""ok""}"\n')
            f.write('b@example.org,personalization,grant,2026-01-02,crm,{}\n')
            f.write('c@example.org,personalisation,grant,2026-01-02,crm,{}\n')
        rc, out, err = run("import", path, state=self.state)
        self.assertEqual(rc, 1)
        self.assertEqual(err.strip().splitlines()[0], f'{path}:4: invalid purpose "personalisation" '
                         "(valid: open_measurement, frequency_adaptation, personalization, cross_channel, fraud_detection)")
        self.assertEqual(run("verify", state=self.state)[1].strip(), "ok: 0 events")
        with open(path, "w") as f:
            f.write(HEADER)
            for i in range(300):
                f.write(f"user{i}@example.org,fraud_detection,grant,2026-01-01T10:00:{i % 60:02d}Z,crm,{{}}\n")
        rc, out, err = run("import", path, state=self.state)
        self.assertEqual(rc, 0, err)
        self.assertIn("imported 300 events", out)
        # export -> import into a fresh store -> same answers, chain verifies
        rc, exported, _ = run("export", "--format", "csv", state=self.state)
        fresh = os.path.join(self.dir, "fresh")
        rc, out, err = run("import", "-", state=fresh, stdin=exported)
        self.assertEqual(rc, 0, err)
        self.assertEqual(run("verify", state=fresh)[1].strip(), "ok: 300 events")
        self.assertEqual(json.loads(run("show", "user7@example.org", "--json", state=fresh)[1])["granted"], ["fraud_detection"])
        rc, out, _ = run("export", "--format", "json", "--since", "2026-01-01T10:00:30Z", state=fresh)
        self.assertEqual(len(json.loads(out)), 150)

    def test_tampering_is_reported_with_the_event(self):
        for who in ["a", "b", "c"]:
            self.assertEqual(run("grant", f"{who}@example.org", "open_measurement", state=self.state)[0], 0)
        db = sqlite3.connect(os.path.join(self.state, "consent.sqlite"))
        with self.assertRaises(sqlite3.DatabaseError):
            db.execute("UPDATE consent_events SET action = 'withdraw' WHERE id = 2")
        db.execute("DROP TRIGGER consent_events_no_update")
        db.execute("UPDATE consent_events SET evidence = '{\"forged\":true}' WHERE id = 2")
        db.commit()
        db.close()
        rc, out, _ = run("verify", state=self.state)
        self.assertEqual(rc, 1)
        self.assertEqual(out.strip(), "broken at event 2: content does not match its hash (the row was altered)")

    def test_bad_config_is_a_clear_error(self):
        cfg = os.path.join(self.dir, "bad.toml")
        with open(cfg, "w") as f:
            f.write('[store]\nbackend = "postgres"\n')
        rc, _, err = run("show", "a@example.org", config=cfg, state=self.state)
        self.assertEqual(rc, 1)
        self.assertIn("store.url", err)
        with open(cfg, "w") as f:
            f.write('[store]\ncache_ttl = "1m"\n')
        rc, _, err = run("show", "a@example.org", config=cfg, state=self.state)
        self.assertEqual(rc, 1)
        self.assertIn("cache_ttl", err)


@unittest.skipIf(os.environ.get("PIXELGATE_E2E_NO_PG") == "1" or os.geteuid() != 0, "PostgreSQL cases need root (initdb as postgres)")
class PostgresCLI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pixelgate-e2e-pg-")
        os.chmod(cls.dir, 0o755)
        cls.env = dict(os.environ, PIXELGATE_TEST_PG_DIR=os.path.join(cls.dir, "cluster"),
                       PIXELGATE_TEST_PG_PORT=str(56000 + os.getpid() % 1000))
        out = subprocess.run([CLUSTER, "start"], env=cls.env, capture_output=True, text=True, check=True).stdout
        cls.conninfo = out.strip().split("=", 1)[1].strip('"')
        cls.config = os.path.join(cls.dir, "pixelgate.toml")
        with open(cls.config, "w") as f:
            f.write(f'[store]\nbackend = "postgres"\nurl = "{cls.conninfo}"\ntimeout = "1s"\n')

    @classmethod
    def tearDownClass(cls):
        subprocess.run([CLUSTER, "stop"], env=cls.env, capture_output=True)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_1_two_importers_keep_one_chain(self):
        files = []
        for p in range(2):
            path = os.path.join(self.dir, f"p{p}.csv")
            with open(path, "w") as f:
                f.write(HEADER)
                for i in range(500):
                    f.write(f"proc{p}-{i % 50}@example.org,open_measurement,{'grant' if i % 2 else 'withdraw'},"
                            f"2026-03-01T00:{i // 60:02d}:{i % 60:02d}Z,proc{p},{{}}\n")
            files.append(path)
        procs = [subprocess.Popen([BIN, "consent", "import", f, "--config", self.config, "--state-dir", self.dir],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
        rc, out, _ = run("verify", config=self.config, state=self.dir)
        self.assertEqual((rc, out.strip()), (0, "ok: 1000 events"))

    def test_2_server_stopped_mid_run(self):
        self.assertEqual(run("grant", "mid@example.org", "personalization", config=self.config, state=self.dir)[0], 0)
        rc, out, _ = run("show", "mid@example.org", "--json", config=self.config, state=self.dir)
        self.assertEqual(json.loads(out)["granted"], ["personalization"])
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c",
                        f"/usr/lib/postgresql/15/bin/pg_ctl -D {self.env['PIXELGATE_TEST_PG_DIR']}/data -m immediate -w stop"],
                       capture_output=True, check=True)
        for args in (["show", "mid@example.org"], ["grant", "mid@example.org", "open_measurement"], ["verify"]):
            t0 = time.monotonic()
            rc, out, err = run(*args, config=self.config, state=self.dir)
            elapsed = time.monotonic() - t0
            self.assertEqual(rc, 75, (args, err))
            self.assertIn("consent store unavailable", err)
            self.assertLess(elapsed, 1 + 1, args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
