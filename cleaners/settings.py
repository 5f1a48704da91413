"""One typed settings object shared by the CLI, `corpusclean.toml` and the flow's parameters.

Precedence: defaults < config file < explicit values (CLI options, flow parameters).
"""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_OVERRIDES = "corpusclean.overrides.toml"
# Settings naming data files whose contents the results depend on (hashed into the corpus state).
DATA_FILES = (
    "chrome_rules",
    "chrome_model",
    "gazetteer",
    "transliteration_rules",
    "canonical_names",
    "frequent_shingles",
)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # reading
    follow_symlinks: bool = Field(False, description="Follow symbolic links in raw/ that point outside it.")
    max_control_ratio: float = Field(0.1, description="Share of control characters above which a file is binary.")
    max_error_ratio: float = Field(0.5, description="Exit code 1 when more than this share of documents failed.")
    doc_timeout: float = Field(120.0, description="Seconds one document may take in the per-document passes.")

    # chrome
    chrome_rules: Path = Field(DATA_DIR / "chrome_rules.toml", description="Chrome rule bank (TOML).")
    chrome_model: Path | None = Field(
        DATA_DIR / "chrome_lines.json",
        description="Article-line model (tools/train_chrome_model.py); None: the rule bank and learned lines only.",
    )
    chrome_min_docs: int = Field(2, description="A short line repeated in this many documents of a site is chrome.")
    chrome_max_words: int = Field(14, description="Lines longer than this are never learned as chrome.")
    chrome_edge_paragraphs: int = Field(4, description="Paragraphs at each end that count as a document's head/tail.")

    # language
    min_language_chars: int = Field(40, description="Shorter paragraphs get language 'und'.")
    drop_foreign_paragraphs: bool = Field(False, description="Drop paragraphs in another language than the document's.")
    language_seed: int = 0

    # artefacts
    gazetteer: Path = Field(DATA_DIR / "gazetteer.toml", description="Calque gazetteer (TOML).")
    transliteration_rules: Path = Field(DATA_DIR / "transliteration.toml", description="Transliteration tables.")
    canonical_names: Path | None = Field(None, description="User file of canonical names, one per line.")
    artefact_policy: dict[str, Literal["fix", "flag"]] = Field(
        default_factory=lambda: {
            "transliteration": "fix",
            "calque": "fix",
            "punctuation": "fix",
            "word_order": "flag",
            "foreign_fragment": "flag",
        },
        description="fix or flag per artefact kind; only confident findings are ever fixed.",
    )

    # near-duplicates
    # Defaults measured on dev-corpus + seeds (237 content paragraphs, 26 labelled duplicate pairs; pairwise
    # P/R expected under 128-perm MinHash noise, raw text / names made canonical as after the artefact stage):
    # char 5-grams at 0.425: P .991 R .991 / P .960 R .994 (seed 1 clustering: 1.00/1.00 and .96/1.00, the one
    # false pair two titles of one story). word 3-grams at 0.2 tie on F1 (.988/.978, .987/.994) but join two
    # paragraphs that share a quote; word 4/5-grams lose recall on re-translated copies (R <= .93 / .90).
    shingle: Literal["word", "char"] = Field("char", description="Shingle type for near-duplicate detection.")
    shingle_size: int = Field(5, description="Shingle length (words or characters).")
    threshold: float = Field(0.425, description="Estimated Jaccard from which paragraphs are near-duplicates.")
    num_perm: int = Field(128, description="MinHash permutations.")
    min_dedup_tokens: int = Field(6, description="Shorter paragraphs are compared by exact hash within their document.")
    lsh_recall: float = Field(
        0.96,
        description="Share of pairs at the threshold that LSH must propose (sets its bands and rows); "
        "0.96 gives 3 rows per band, 16x fewer chance candidates than the 2 rows 0.99 needs.",
    )
    frequent_shingles: Path | None = Field(
        DATA_DIR / "frequent_shingles.json",
        description="Shingles left out of the sketches: frequent in any English text, so no evidence of copying "
        "(tools/build_frequent_shingles.py); applies to the shingle kind and size it lists; None: sketch all shingles.",
    )

    # review
    overrides: Path | None = Field(
        None, description="Reviewer verdicts on event ids (corpusclean.overrides.toml or .jsonl)."
    )

    # orchestration
    batch_size: int | None = Field(
        None,
        ge=1,
        description="Documents (raw files) per Prefect task, at most (default: 1024; 4096 on Dask, whose "
        "tasks cost the flow process about 0.1 s each).",
    )
    workers: int = Field(0, description="Worker processes for per-document passes (0: one per core).")

    # scale-out (engines, not results: none of these is part of the state's fingerprint)
    dask_workers: int = Field(0, description="Run the batches on a local Dask cluster of N processes (0: no Dask).")
    dask_address: str | None = Field(
        None, description="Run the batches on the dask.distributed scheduler at this address (tcp://host:8786)."
    )
    store: str | None = Field(
        None,
        description="Duplicate index and signature cache in Redis, redis://host:port/db (password only from "
        "$CORPUSCLEAN_REDIS_PASSWORD; None: embedded, beside the outputs).",
    )
    corpus_name: str | None = Field(
        None, description="Key prefix of this corpus in the store (None: derived from the clean folder's path)."
    )
    connect_timeout: float = Field(5.0, description="Seconds to wait for a Dask scheduler or Redis to answer.")

    @model_validator(mode="before")
    @classmethod
    def _lsh_storage_is_store(cls, data: Any) -> Any:
        """`store` is the one switch for where the duplicate index lives. The key earlier releases had for
        it, `lsh_storage` (a datasketch storage_config), is still read: a Redis storage becomes the same
        `store` URL; any other (in memory) is the default, which gives the same clusters."""
        if not isinstance(data, dict) or "lsh_storage" not in data:
            return data
        data = dict(data)
        old = data.pop("lsh_storage")
        redis = old.get("redis") if isinstance(old, dict) and old.get("type") == "redis" else None
        if isinstance(redis, dict) and data.get("store") is None:
            host, port, db = redis.get("host", "127.0.0.1"), redis.get("port", 6379), redis.get("db", 0)
            data["store"] = f"redis://{host}:{port}/{db}"
        elif old is not None:
            warnings.warn(
                "lsh_storage is replaced by store (a redis:// URL, or none for the in-memory index); "
                "this lsh_storage is ignored: the in-memory index gives the same clusters",
                DeprecationWarning,
                stacklevel=2,
            )
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_credentials_in_store(cls, data: Any) -> Any:
        """Refuse a user or password in the store URL: flow parameters are stored and shown. The value is
        redacted in place first, because a validation error echoes its input."""
        from urllib.parse import urlsplit

        store = data.get("store") if isinstance(data, dict) else None
        if isinstance(store, str):
            try:
                url = urlsplit(store)
                secret = bool(url.username or url.password)
            except ValueError:
                secret = "@" in store
            if secret:
                data["store"] = "<redacted>"
                raise ValueError(
                    "store: the URL must not hold a user or password (flow parameters are stored and shown); "
                    "set CORPUSCLEAN_REDIS_PASSWORD in the environment instead"
                )
        return data

    @model_validator(mode="after")
    def _scale_out_valid(self) -> Settings:
        """A usable store URL, one Dask engine at most."""
        from urllib.parse import urlsplit

        if self.store is not None:
            url = urlsplit(self.store)
            if url.scheme not in ("redis", "rediss") or not url.hostname:
                raise ValueError(f"store: {self.store!r} is not a redis://host:port/db URL")
        if self.dask_workers < 0:
            raise ValueError("dask_workers: must be 0 (no Dask) or more")
        if self.dask_workers and self.dask_address:
            raise ValueError("dask_workers and dask_address: give one (a local cluster or an existing scheduler)")
        if self.corpus_name is not None and not self.corpus_name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"corpus_name: {self.corpus_name!r} may hold only letters, digits, '-' and '_'")
        if self.connect_timeout <= 0:
            raise ValueError("connect_timeout: must be positive")
        return self

    @field_validator("chrome_model", "frequent_shingles", mode="before")
    @classmethod
    def _no_model(cls, value: Any) -> Any:
        """TOML has no null: an empty string switches the article-line model or the shingle table off."""
        return None if value == "" else value

    @model_validator(mode="after")
    def _data_files_exist(self) -> Settings:
        """A mistyped path is an error now, not a silently empty rule bank later."""
        for name in (*DATA_FILES, "overrides"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ValueError(f"{name}: file {path} not found")
        if self.frequent_shingles is not None:
            from cleaners.dedup.frequent import load

            load(self.frequent_shingles)  # a malformed table is an error now, not in every worker later
        return self

    def fingerprint_fields(self) -> dict[str, Any]:
        """Settings that change the output (orchestration knobs excluded)."""
        skip = {"batch_size", "workers", "max_error_ratio", "doc_timeout"}
        skip |= {"dask_workers", "dask_address", "store", "corpus_name", "connect_timeout"}
        return {k: v for k, v in self.model_dump(mode="json").items() if k not in skip}


def load_settings(config: Path | None = None, **explicit: Any) -> Settings:
    """Defaults, then the config file (if given or `corpusclean.toml` exists), then `explicit` values."""
    data: dict[str, Any] = {}
    if config is None and Path("corpusclean.toml").is_file():
        config = Path("corpusclean.toml")
    if config is not None:
        with open(config, "rb") as fh:
            raw = tomllib.load(fh)
        data.update(raw.get("corpusclean", raw))
    data.update({k: v for k, v in explicit.items() if v is not None})
    if "overrides" not in data and Path(DEFAULT_OVERRIDES).is_file():
        data["overrides"] = Path(DEFAULT_OVERRIDES).resolve()
    return Settings.model_validate(data)
