"""Reference CRPS from PyPI `properscoring`.

Reads {"cases": [{"ensemble": [...], "observation": y}, ...]} on stdin and prints
{"crps": [...]} with properscoring.crps_ensemble for each case.
"""
import json
import sys

import numpy as np
import properscoring as ps

cases = json.load(sys.stdin)["cases"]
values = [float(ps.crps_ensemble(c["observation"], np.array(c["ensemble"], dtype=float))) for c in cases]
json.dump({"crps": values}, sys.stdout)
