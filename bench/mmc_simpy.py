"""The M/M/c model of scenarios/mmc.json in SimPy 3, as the reference speed for opsim.

Run with Debian's /usr/bin/python3 (python3-simpy3). Prints one line:
    simpy: N requests, W s, R requests/s, mean wait X s, P(wait) Y
"""
import random
import sys
import time

import simpy

ARRIVAL_RATE = 8.5  # per second
MEAN_WORK_S = 1.0
SLOTS = 10


def run(sim_seconds, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=SLOTS)
    stats = {"done": 0, "waited": 0, "wait_sum": 0.0}

    def request(env):
        arrived = env.now
        with pool.request() as slot:
            yield slot
            wait = env.now - arrived
            stats["wait_sum"] += wait
            if wait > 0:
                stats["waited"] += 1
            yield env.timeout(rng.expovariate(1.0 / MEAN_WORK_S))
        stats["done"] += 1

    def arrivals(env):
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(request(env))

    env.process(arrivals(env))
    started = time.perf_counter()
    env.run(until=sim_seconds)
    wall = time.perf_counter() - started
    return stats, wall


def main():
    sim_seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 86400.0
    stats, wall = run(sim_seconds, 7)
    done = stats["done"]
    print(
        "simpy: %d requests, %.3f s, %.0f requests/s, mean wait %.4f s, P(wait) %.4f"
        % (done, wall, done / wall, stats["wait_sum"] / max(done, 1), stats["waited"] / max(done, 1))
    )


if __name__ == "__main__":
    main()
