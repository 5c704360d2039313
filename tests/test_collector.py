"""The editor collects cyclic garbage on its GUI thread only: a collection in a worker thread
that frees a Qt object deletes it off its thread, which crashes Qt."""

import gc
import threading
import weakref

from editor.app.collector import GuiThreadCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_garbage_is_collected_on_the_gui_thread_and_never_in_a_worker(qtbot) -> None:
    threads: list[str] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(record)
    gc.enable()  # as in a process that just started
    try:
        collector = GuiThreadCollector()
        assert not gc.isenabled()
        cycle = Cycle()
        freed = weakref.ref(cycle)
        del cycle

        def allocate() -> None:  # far past the threshold that would start a collection here
            junk = [Cycle() for _ in range(20 * gc.get_threshold()[0])]
            del junk

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert freed() is not None and "worker" not in threads  # nothing collected there
        qtbot.waitUntil(lambda: freed() is None)  # the collector's timer, on this thread
        assert threads and set(threads) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(record)
        collector.deleteLater()
