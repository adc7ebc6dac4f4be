from django.core.management.base import BaseCommand

from workflows.documents.pdf import COMMON_FONT, FULL_FONT, FULL_FONT_INDEX, build_common_font


class Command(BaseCommand):
    help = "Rebuild the cut-down PDF face (GB2312) from the installed Noto Sans CJK SC Regular."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=str(FULL_FONT))
        parser.add_argument("--index", type=int, default=FULL_FONT_INDEX, help="face index in a .ttc")
        parser.add_argument("--target", default=str(COMMON_FONT))

    def handle(self, *args, source, index, target, **options):
        from pathlib import Path

        path = build_common_font(source=Path(source), index=index, target=Path(target))
        self.stdout.write(f"{path} ({path.stat().st_size // 1024} KiB)")
