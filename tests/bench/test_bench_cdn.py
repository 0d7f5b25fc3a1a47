"""The caching-proxy benchmark's scripted map session (bench/cdn.py): views fetch the tiles and the box they cover,
and the edited place is found in the right tile."""

from bench.cdn import TILE_PX, VIEW_H, VIEW_W, Edit, View, script, world_px

MANCHESTER = (53.4808, -2.2426)


def test_a_view_fetches_every_tile_it_covers_and_its_box():
    view = View(*world_px(*MANCHESTER, 13), 13)
    tiles = view.tiles()
    xs, ys = {x for _, x, _ in tiles}, {y for _, _, y in tiles}
    assert len(tiles) == len(xs) * len(ys)
    assert min(xs) * TILE_PX <= view.px - VIEW_W / 2 and (max(xs) + 1) * TILE_PX >= view.px + VIEW_W / 2
    assert min(ys) * TILE_PX <= view.py - VIEW_H / 2 and (max(ys) + 1) * TILE_PX >= view.py + VIEW_H / 2
    west, south, east, north = map(float, view.bbox().split(","))
    assert west < MANCHESTER[1] < east and south < MANCHESTER[0] < north


def test_the_edited_place_is_in_one_tile_of_a_view_that_shows_it():
    view = View(*world_px(*MANCHESTER, 15), 15)
    edit = Edit(None, lambda: "", world_px(*MANCHESTER, 0))
    assert edit.shown_by_view(view)
    assert sum(edit.shown_by_tile(*tile) for tile in view.tiles()) == 1
    far = View(view.px + 3 * VIEW_W, view.py, 15)
    assert not edit.shown_by_view(far) and not any(edit.shown_by_tile(*tile) for tile in far.tiles())


def test_the_script_is_the_same_for_a_seed_and_stays_between_zooms_11_and_16():
    first, again = script(4, 20, seed=3), script(4, 20, seed=3)
    assert first == again and first != script(4, 20, seed=4)
    assert all(11 <= view.z <= 16 for views in first for view in views)
