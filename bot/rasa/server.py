"""The assistant's Rasa server: `python -m bot.rasa.server run --model ...` is `rasa run ...` with the speed patches
of bot/rasa/patches.py applied first. This is the one place they are applied (they check the Rasa version)."""
from __future__ import annotations

from bot.rasa import internals, patches
from bot.settings import check


def main() -> None:
    check()  # a bad setting stops the server here, with its name
    internals.require("the assistant's Rasa server")
    patches.apply()
    from rasa.__main__ import main as rasa_main  # reads sys.argv as the `rasa` command does

    rasa_main()


if __name__ == "__main__":
    main()
