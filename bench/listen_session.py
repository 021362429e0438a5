"""Listen to one session: what `backease session` says, rendered to a WAV and measured.

    .venv/bin/python bench/listen_session.py                      # a 5-minute plan, both rates
    .venv/bin/python bench/listen_session.py --minutes 15 --out /tmp/session.wav
    play /tmp/session-normal.wav                                   # and listen to it

A plan is made for a self-care check in a temporary store and played by the terminal's own
player (`backease.cli.player.Player`, the `session` command's), on a fake clock, with a
voice that renders each line it is asked to say with espeak-ng (`-w`, at the rate the
terminal uses) and is busy for as long as that recording lasts. The lines are then laid
end to end with the silences between them (sox), one WAV per rate, as long as the session.

Then sox measures the WAV: its length, how much of it is speech (the recordings' lengths,
and what is left when sox strips every silence longer than 0.3 s), the longest silence,
and each must-hear line's place in it (the stretch where it should be is loud, and it lasts
as long as its recording). With pocketsphinx installed (`pip install pocketsphinx`, not a
dependency of backease), `--transcribe` also says what a recogniser hears in each
must-hear line, against its words.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RATE = 22050
"""espeak-ng's sample rate."""
QUIET = 0.3
"""A pause longer than this is silence (shorter ones are between words)."""


@dataclass
class Said:
    start: float
    """Session seconds when the line began."""
    text: str
    wav: Path
    seconds: float


@dataclass
class WavSpeaker:
    """A Speaker (backease.cli.voice) that records each line with espeak-ng and is busy for
    as long as the recording lasts, in the player's clock time."""

    clock: Any
    wpm: int
    folder: Path
    said: list[Said] = field(default_factory=list)
    failed: bool = False

    def start(self, text: str) -> None:
        wav = self.folder / f"line-{len(self.said):03d}.wav"
        subprocess.run(["espeak-ng", "-s", str(self.wpm), "-w", str(wav), text], check=True)
        self.said.append(Said(self.clock.now(), text, wav, sox_seconds(wav)))

    def busy(self) -> bool:
        return bool(self.said) and self.clock.now() < self.said[-1].start + self.said[-1].seconds

    def stop(self) -> None:
        pass


def sox_seconds(wav: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True).stdout)


def sox_stat(wav: Path, *effects: str) -> dict[str, float]:
    """`sox WAV -n [effects] stat`, as numbers."""
    out = subprocess.run(["sox", str(wav), "-n", *effects, "stat"], capture_output=True, text=True).stderr
    stats = {}
    for row in out.splitlines():
        name, _, value = row.partition(":")
        try:
            stats[name.strip()] = float(value.strip())
        except ValueError:
            continue
    return stats


def silence(seconds: float, path: Path) -> Path:
    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-b",
            "16",
            str(path),
            "trim",
            "0",
            f"{max(seconds, 0):.4f}",
        ],
        check=True,
    )
    return path


def make_plan(minutes: int, seed: int) -> list[dict[str, Any]]:
    from backease.cli import state

    state.open_store()
    from backease.store import services

    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(
        person,
        {
            "areas": [
                {"region": "upper_trapezius_left", "pain": 5, "knot": False},
                {"region": "between_shoulder_blades_right", "pain": 4, "knot": True},
            ],
            "tools": ["hands", "wall", "chair", "tennis_ball", "foam_roller"],
            "causes": ["posture"],
            "minutes": minutes,
        },
    )
    return list(services.make_plan(person, seed=seed).data["steps"])


@dataclass
class Listening:
    rate: str
    wav: Path
    session_seconds: float
    said: list[Said]
    dropped: int
    must: list[tuple[Said, str]]
    """Each must-hear line said, with its kind."""
    wps: float
    """The rate asked for, words a second."""


def play(steps: list[dict[str, Any]], rate: str, folder: Path) -> Listening:
    """Play the plan with the terminal's player and render what it says to one WAV."""
    from rich.console import Console

    from backease.cli.player import FakeClock, Player, PlayerState, steps_from_plan
    from backease.cli.voice import VOICE_WPS, Voice, espeak_wpm

    class NoKeys:
        def start(self) -> None: ...
        def stop(self) -> None: ...
        def poll(self, state: PlayerState) -> str | None:
            return None

    class NoRecorder:
        def step(self, index: int, **fields: Any) -> None: ...

    clock = FakeClock()
    speaker = WavSpeaker(clock, espeak_wpm(VOICE_WPS[rate]), folder)
    voice = Voice(speaker, VOICE_WPS[rate])
    player = Player(
        steps_from_plan(steps), NoRecorder(), clock, NoKeys(), Console(file=io.StringIO()), voice=voice
    )
    player.run()
    end = clock.now()
    parts: list[Path] = []
    at = 0.0
    for n, line in enumerate(speaker.said):
        parts += [silence(line.start - at, folder / f"gap-{n:03d}.wav"), line.wav]
        at = line.start + line.seconds
    parts.append(silence(end - at, folder / "gap-end.wav"))
    wav = folder / f"session-{rate}.wav"
    subprocess.run(["sox", *map(str, parts), str(wav)], check=True)
    kinds = {
        (i, str(line["text"])): str(line["kind"])
        for i, step in enumerate(steps)
        for line in step.get("script", [])
        if line["must_hear"]
    }
    must_texts = {text: kind for (_, text), kind in kinds.items()}
    must = [(line, must_texts[line.text]) for line in speaker.said if line.text in must_texts]
    return Listening(rate, wav, end, speaker.said, len(voice.dropped), must, VOICE_WPS[rate])


def transcribe(wav: Path, start: float, seconds: float, folder: Path) -> str:
    """What pocketsphinx hears in a stretch of the WAV (16 kHz mono, as it wants)."""
    from pocketsphinx import Decoder  # type: ignore[import-not-found]

    piece = folder / "piece.raw"
    raw = ["-r", "16000", "-b", "16", "-e", "signed", "-t", "raw"]
    subprocess.run(
        ["sox", str(wav), *raw, str(piece), "trim", f"{start:.3f}", f"{seconds:.3f}"],
        check=True,
    )
    decoder = Decoder(samprate=16000)
    decoder.start_utt()
    decoder.process_raw(piece.read_bytes(), full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() else ""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def report(listening: Listening, steps: list[dict[str, Any]], folder: Path, asr: bool) -> None:
    wav = listening.wav
    total = sox_seconds(wav)
    said_seconds = sum(line.seconds for line in listening.said)
    voiced = folder / f"voiced-{listening.rate}.wav"
    # Strip every silence longer than QUIET (at 1% of full scale): what is left is speech.
    subprocess.run(
        ["sox", str(wav), str(voiced), "silence", "1", "0.05", "1%", "-1", str(QUIET), "1%"], check=True
    )
    speech = sox_seconds(voiced)
    gaps = [b.start - (a.start + a.seconds) for a, b in itertools.pairwise(listening.said)]
    word_count = sum(len(line.text.split()) for line in listening.said)
    print(f"\n== {listening.rate} rate: {wav}")
    print(
        f"session {listening.session_seconds:.0f} s (planned, steps and get-ready: {plan_seconds(steps)} s); "
        f"WAV {total:.1f} s"
    )
    print(
        f"lines said {len(listening.said)}, dropped {listening.dropped}; {word_count} words in "
        f"{said_seconds:.1f} s of recordings = {word_count / said_seconds:.2f} words/s"
    )
    print(
        f"speech share: recordings {said_seconds / total:.1%}, sox without silences > {QUIET} s "
        f"{speech:.1f} s = {speech / total:.1%}; silence {total - speech:.1f} s; longest silence "
        f"{max(gaps, default=0):.1f} s"
    )
    heard = 0
    for line, kind in listening.must:
        stretch = sox_stat(wav, "trim", f"{line.start:.3f}", f"{line.seconds:.3f}")
        loud = stretch.get("RMS     amplitude", stretch.get("RMS amplitude", 0.0)) > 0.01
        # Said whole: its recording lasts at least half the time its words take at the rate.
        whole = line.seconds >= 0.5 * len(line.text.split()) / listening.wps
        heard += loud and whole
        note = ""
        if asr:
            got = words(transcribe(wav, line.start, line.seconds, folder))
            want = words(line.text)
            hits = sum(1 for w in want if w in got)
            note = f"  asr {hits}/{len(want)} words: {' '.join(got)}"
        print(
            f"  {line.start:7.1f} s {line.seconds:5.1f} s {kind:9} {'ok ' if loud and whole else 'MISSING'} "
            f"{line.text[:70]}{note}"
        )
    gos = sum(1 for _, kind in listening.must if kind == "go")
    stops = sum(1 for _, kind in listening.must if kind == "stop_if")
    print(
        f"must-hear lines present {heard} of {len(listening.must)}; Go at {gos} of {len(steps)} holds; "
        f"stop lines {stops} of {len({s['technique'] for s in steps})} techniques"
    )


def plan_seconds(steps: list[dict[str, Any]]) -> int:
    return sum(int(step["seconds"]) + int(step.get("prepare_seconds", 0)) for step in steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=None, help="copy the WAVs here: OUT-normal.wav, OUT-slow.wav"
    )
    parser.add_argument(
        "--transcribe", action="store_true", help="say what pocketsphinx hears (if installed)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["BACKEASE_DATA_DIR"] = str(folder / "data")
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT))
        steps = make_plan(args.minutes, args.seed)
        if not all("script" in step for step in steps):
            sys.exit("the plan's steps carry no script (core/script.py): nothing to say")
        for rate in ("normal", "slow"):
            (folder / rate).mkdir()
            listening = play(steps, rate, folder / rate)
            report(listening, steps, folder, args.transcribe)
            if args.out:
                target = args.out.with_name(f"{args.out.stem}-{rate}.wav")
                subprocess.run(["cp", str(listening.wav), str(target)], check=True)
                print(f"written {target}")


if __name__ == "__main__":
    main()
