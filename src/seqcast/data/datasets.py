"""The dataset that ships with seqcast: daily BTC-USD closes, 2014-09-17 .. 2024-05-26
(provenance in files/README.md). Like scikit-learn's and Darts' bundled datasets, it makes
the demo and the examples run anywhere."""

from __future__ import annotations

from pathlib import Path

from seqcast.data.load import Loaded, read_prices
from seqcast.data.options import LoadOptions

BITCOIN = Path(__file__).with_name("files") / "btc-usd-daily.csv.gz"
BITCOIN_NAME = "the embedded BTC-USD daily history (2014-09-17 .. 2024-05-26)"


def load_bitcoin(options: LoadOptions | None = None) -> Loaded:
    """Daily BTC-USD prices (Close, with Open, High, Low and Volume) as seqcast reads a
    file: `.series` is the close."""
    return read_prices(BITCOIN, options)
