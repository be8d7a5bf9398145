"""The home page's "my work" sections: the app that can see every kind of work (petitions, which
sees plans and meetings too) registers its builder here at start-up (AppConfig.ready), since this
app may not import the apps to its right (docs/architecture.md)."""

_builders = []


def work_builder_register(builder):
    """`builder(user=, memberships=)` → a list of sections (petitions.work.Section)."""
    if builder not in _builders:
        _builders.append(builder)


def my_work(*, user, memberships):
    return [section for builder in _builders for section in builder(user=user, memberships=memberships)]
