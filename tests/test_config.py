"""Settings (TOML and options, one set of names) into the experiment each command runs."""

import re
from pathlib import Path

import pytest

from seqcast.config import plan
from seqcast.errors import SeqcastError
from seqcast.models import registry
from seqcast.models.baselines import NaiveForecaster


def test_run_is_one_model_and_the_baselines_named(price_csv: Path) -> None:
    settings = {"data": str(price_csv), "model": "gru", "window": 12, "seed": 4}
    experiment, loaded, _ = plan(settings, "run", "naive,drift")
    assert list(experiment.models) == ["gru", "naive", "drift"]
    assert experiment.models["gru"].get_params()["window"] == 12
    assert experiment.seeds == (4,)
    assert [one.series.name for one in loaded] == ["Close"]


def test_run_defaults_to_auto_and_neural_settings_alone_to_gru(price_csv: Path) -> None:
    ran, _, _ = plan({"data": str(price_csv)}, "run")
    assert list(ran.models) == ["auto", "naive"]
    layered, _, _ = plan({"data": str(price_csv), "layers": "gru:4, dense:1"}, "run")
    assert list(layered.models) == ["gru", "naive"]


def test_compare_defaults_to_baselines_and_presets_over_three_seeds(price_csv: Path) -> None:
    experiment, _, _ = plan({"data": str(price_csv), "epochs": 3, "patience": 2}, "compare")
    assert list(experiment.models) == [
        "naive", "drift", "ma:7", "snaive:7", "mlp", "rnn", "lstm", "gru", "tutorial", "auto"
    ]  # fmt: skip
    assert experiment.seeds == (0, 1, 2)
    gru = experiment.models["gru"].get_params()
    assert (gru["epochs"], gru["patience"], gru["model"]) == (3, 2, "gru")
    assert isinstance(experiment.models["naive"], NaiveForecaster)


def test_seed_lists_and_counts(price_csv: Path) -> None:
    base = {"data": str(price_csv), "models": "gru"}
    assert plan({**base, "seeds": (1, 5, 9)}, "compare")[0].seeds == (1, 5, 9)
    assert plan({**base, "seeds": 2, "seed": 10}, "compare")[0].seeds == (10, 11)
    assert plan({**base, "seeds": [3]}, "compare")[0].seeds == (3,)


def test_one_toml_file_serves_both_commands(price_csv: Path, tmp_path: Path) -> None:
    from seqcast.io import read_toml

    path = tmp_path / "exp.toml"
    path.write_text(
        f'data = "{price_csv}"\nlayers = "gru:8, dense:1"\nwindow = 10\noptimizer = "adam"\n'
        "test_days = 30\nrefit_every = 10\n"
    )
    settings = read_toml(path)
    ran, _, _ = plan(settings, "run")
    compared, _, _ = plan(settings, "compare")
    # `layers` without `model`: the default preset with those layers, named after the preset
    assert list(ran.models) == ["gru", "naive"]
    assert list(compared.models) == ["naive", "drift", "ma:7", "snaive:7", "gru"]
    for experiment in (ran, compared):
        assert experiment.models["gru"].get_params()["layers"] == "gru:8, dense:1"
        assert experiment.evaluation.refit_every == 10


def test_a_toml_model_file_in_the_models_list(price_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / "small-gru.toml"
    path.write_text('layers = "gru:8, dense:1"\nwindow = 5\nepochs = 3\ndata = "ignored.csv"\n')
    experiment, _, _ = plan(
        {"data": str(price_csv), "models": f"naive,{path}", "epochs": 1}, "compare"
    )
    model = experiment.models["small-gru"]
    assert (model.get_params()["layers"], model.get_params()["epochs"]) == ("gru:8, dense:1", 1)


@pytest.mark.parametrize(
    ("settings", "command", "message"),
    [
        ({"epoch": 3}, "run", "unknown setting"),
        ({"models": "gru,gru"}, "compare", "a model is named twice"),
        ({"models": "arimax"}, "compare", "unknown model 'arimax'"),
        ({"models": "ma:x"}, "compare", "positive whole number"),
        ({"models": "naive:3"}, "compare", "naive takes no parameter"),
        ({"models": "gru,lstm"}, "run", "run trains one model"),
        ({"seeds": 0}, "compare", "--seeds 0: at least 1 seed"),
        ({"gaps": "fill"}, "run", "--gaps 'fill': choose one of ffill, drop, error"),
        ({"levels": (0.8,)}, "compare", "did you mean 80"),
        ({"levels": (80.0, 80.0)}, "compare", "a level twice"),
        ({"test_days": 0}, "compare", "--test-days 0: test on at least 1 day"),
        ({"seeds": ()}, "compare", "--seeds is empty"),
        ({"start": "2020-03-01", "test_days": 30}, "compare", "--start and --test-days"),
        ({"models": ""}, "compare", "--models is empty"),
        ({"models": "naive,drift", "features": ("weekday",)}, "compare", "reads covariates"),
        ({"data": 42}, "compare", "data = 42: give text"),
        ({"model": "naive", "epochs": 3}, "run", "--epochs: not a setting of model 'naive'"),
    ],
)
def test_bad_settings_are_named(price_csv: Path, settings, command, message) -> None:
    with pytest.raises(SeqcastError, match=message):
        plan({"data": str(price_csv), **settings}, command)


def test_labels_of_files_and_names() -> None:
    assert registry.label("runs/my-gru.toml") == "my-gru" and registry.label("ma:7") == "ma:7"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('test_days = "60"', "test_days = '60' is text; it should be a whole number"),
        ('shrink = "no"', "shrink = 'no' is text; it should be true or false"),
        ("window = 60.5", "window = 60.5 is a number; it should be a whole number"),
        ('levels = ["80"]', "it should be a list of numbers"),
    ],
)
def test_toml_values_of_the_wrong_type_are_named(tmp_path: Path, text: str, message: str) -> None:
    from seqcast.cli.options import model_groups
    from seqcast.io import read_toml
    from seqcast.options import typed
    from seqcast.settings import Evaluation, LoadOptions

    path = tmp_path / "bad.toml"
    path.write_text(text + "\n")
    with pytest.raises(SeqcastError, match=re.escape(message)):
        typed([LoadOptions, *model_groups(), Evaluation], read_toml(path), str(path))


def test_toml_text_for_a_list_option_is_read_as_the_option_reads_it(tmp_path: Path) -> None:
    from seqcast.cli.options import model_groups
    from seqcast.options import typed
    from seqcast.settings import Evaluation

    values = typed([*model_groups(), Evaluation], {"levels": "80,95", "seeds": [1, 5]}, "f")
    assert values == {"levels": (80.0, 95.0), "seeds": (1, 5)}


def test_a_start_before_the_data_is_refused(price_csv: Path) -> None:
    experiment, data, _ = plan(
        {"data": str(price_csv), "start": "2019-01-01", "models": "naive,drift"}, "compare"
    )
    with pytest.raises(SeqcastError, match="--start 2019-01-01 is not after the first date"):
        experiment.run(data[0])
