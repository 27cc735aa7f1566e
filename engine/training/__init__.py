"""Training a run: the trainer and its loop, the session it runs on (device, data, model, optimizer), cached
features, checkpoints and resume, the learning-rate finder, and the callbacks (early stopping, gradual
unfreezing...). Measuring the saved model afterwards is the job's (engine/jobs), not training's."""
