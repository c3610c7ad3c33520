package dev.aijobs.protocol;
