"""`make demo`'s pipeline, end to end, so that it cannot rot.

It starts its own QGIS Server and gunicorn, runs qgis_process twice and
compares the in-process and remote GeoTIFFs (the demo raises if they differ).
"""

import rasterio
from PIL import Image

import demo.__main__ as demo


def test_demo_pipeline_writes_every_output(tmp_path, capsys):
    output = tmp_path / "demo-output"
    assert demo.main(["--output", str(output)]) == 0
    names = {path.name for path in output.iterdir()}
    expected = {"tutorial_request.png", "tutorial_request.tif", "qgis_in_process.tif", "qgis_remote.tif",
                "area_edges.tif", "area_blocks.png",
                "side_by_side.png", *(f"side_by_side_{method}.png" for method in demo.METHODS)}
    assert expected <= names
    assert Image.open(output / "tutorial_request.png").size == (512, 512)
    with rasterio.open(output / "area_edges.tif") as area:
        assert (area.width, area.height) == (2000, 1250) and area.overviews(1) == [2, 4]
    printed = capsys.readouterr().out
    assert "identical" in printed and "stage" in printed
    assert "2000 x 1250 pixels in 12 blocks of at most 512²" in printed
