"""Patients' jobs: the daily reminder of data-rights requests about to fall due, and the export
package (built, then its file removed when its link expires)."""

from procrastinate.contrib.django import app

from patients.services.data_rights import remind_due_requests
from patients.services.record import package_build, packages_expire
from sessai import scope


@app.periodic(cron="0 11 * * *")  # 08:00 in Santiago (UTC-3)
@app.task(queueing_lock="privacy_requests_due")
@scope.platform_job
def privacy_requests_due(timestamp: int) -> int:
    return remind_due_requests()


@app.task(retry=2)
@scope.job_in_practice_of("patients.ExportPackage", "package_id")
def build_export_package(package_id: str) -> bool:
    return package_build(package_id)


@app.periodic(cron="17 * * * *")
@app.task(queueing_lock="export_packages_expire")
@scope.platform_job
def export_packages_expire(timestamp: int) -> int:
    return packages_expire()
