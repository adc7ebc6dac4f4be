"""``manage.py create_integration_client --county 990101 --name 12345热线`` prints the key once."""

from django.core.management.base import BaseCommand, CommandError

from workflows.core.models import County
from workflows.portal.services import integration_client_create


class Command(BaseCommand):
    help = "Create an integrating system bound to a county and print its API key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="county code (national code)")
        parser.add_argument("--name", required=True)

    def handle(self, *args, county, name, **options):
        county_obj = County.objects.filter(code=county).first()
        if county_obj is None:
            raise CommandError(f"no county with code {county}")
        client, key = integration_client_create(name=name, county=county_obj)
        self.stdout.write(f"client {client.pk} ({client.name}, {county_obj.code})")
        self.stdout.write(f"API key (store it now; it is not kept): {key}")
