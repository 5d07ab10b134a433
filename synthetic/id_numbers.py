"""GB 11643 id numbers for the simulated people: check characters and collision-free sequences."""
from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))


def check_characters(bodies: np.ndarray) -> np.ndarray:
    """Check character (0-9 or X) of each 17-digit body (GB 11643-1999, ISO 7064 MOD 11-2)."""
    digits = np.asarray(bodies).astype("S17").view(np.uint8).reshape(len(bodies), 17).astype(np.int64) - ord("0")
    return _CHECK[(digits @ _WEIGHTS) % 11]


def unique_sequence_numbers(rng: np.random.Generator, prefixes: np.ndarray, male: np.ndarray) -> np.ndarray:
    """3-digit sequence numbers (odd for men, even for women) that make prefix*1000+sequence unique.

    prefixes: int64 area code and birth date digits (14 digits)."""
    _, group_size = np.unique(prefixes * 2 + male, return_counts=True)
    if len(group_size) and group_size.max() > 500:
        raise ValueError("more than 500 people of one sex share an area code and birth date")
    sequence = rng.integers(0, 500, len(prefixes)) * 2 + male.astype(np.int64)
    while True:
        _, first_index = np.unique(prefixes * 1000 + sequence, return_index=True)
        clash = np.ones(len(prefixes), dtype=bool)
        clash[first_index] = False
        if not clash.any():
            return sequence
        sequence[clash] = rng.integers(0, 500, int(clash.sum())) * 2 + male[clash].astype(np.int64)
