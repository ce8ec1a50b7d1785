from fastapi import APIRouter, Response

from api.deps import SessionDep, StaffDep
from api.params import IdPath
from crawlers import snapshots as snapshots_service

router = APIRouter(tags=["posts"])


@router.get(
    "/posts/{post_id}/snapshot",
    summary="Download the raw page as it was fetched (evidence)",
    response_class=Response,
    responses={
        200: {"description": "The fetched bytes", "content": {"application/octet-stream": {}}},
        404: {"description": "No such post, or no snapshot kept for it"},
    },
)
def download_snapshot(post_id: IdPath, session: SessionDep, _: StaffDep) -> Response:
    snapshot, body = snapshots_service.get_for_post(session=session, post_id=post_id)
    return Response(
        content=body,
        media_type=snapshot.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="post-{post_id}-snapshot.bin"',
            "X-Snapshot-Url": snapshot.url.encode("ascii", "backslashreplace").decode()[:2000],
            "X-Snapshot-Fetched-At": snapshot.fetched_at.isoformat(),
            "X-Snapshot-Status": str(snapshot.status_code),
            "X-Snapshot-Sha256": snapshot.sha256,
        },
    )
