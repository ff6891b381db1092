# %% [markdown]
# # Demo module 00 (test fixture for tito's workflow and autograder)
# A small module in the same literate format as src/: two exercises, three graded cells.

# %% nbgrader={"grade": false, "grade_id": "demo-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.demo
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "demo-add", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def add(a, b):
    """Return a + b."""
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "demo-total", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def total_loops(values):
    """Sum a list with an explicit loop."""
    ### BEGIN SOLUTION
    result = 0.0
    for value in values:
        result = add(result, value)
    return result
    ### END SOLUTION

# %% [markdown]
# Checks.

# %% nbgrader={"grade": true, "grade_id": "test-demo-add", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_add():
    assert add(1, 2) == 3

if __name__ == "__main__":
    test_unit_add()

# %% nbgrader={"grade": true, "grade_id": "test-demo-total", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_total_loops():
    assert total_loops([1.0, 2.0, 3.5]) == 6.5

def test_unit_total_loops_empty():
    assert total_loops([]) == 0.0

if __name__ == "__main__":
    test_unit_total_loops()
    test_unit_total_loops_empty()

# %% nbgrader={"grade": true, "grade_id": "test-demo-numpy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_total_numpy():
    assert total_loops(np.arange(4.0)) == 6.0

if __name__ == "__main__":
    test_unit_total_numpy()
